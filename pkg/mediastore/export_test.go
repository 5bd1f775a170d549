package mediastore

// For the tests of package mediastore_test: s3_test.go, which uses s3test, which imports this
// package.
const GoodKey = goodKey

var WriteFile = writeFile
