// Package static serves the gateway's built-in images: the default avatar and the fallback cover
// that the contract requires when a user or video has none. They are drawn once at start-up, so
// the repository carries no binary files.
package static

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"net/http"
	"strconv"

	"github.com/cloudwego/hertz/pkg/app"
)

// Image is an encoded image and its content type.
type Image struct {
	body        []byte
	contentType string
}

// Avatar draws the default avatar: a light disc on a darker square, as PNG.
func Avatar() (Image, error) {
	const size = 128
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	bg, fg := color.RGBA{0x2c, 0x3e, 0x50, 0xff}, color.RGBA{0xec, 0xf0, 0xf1, 0xff}
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			dx, dy := x-size/2, y-size/2
			if dx*dx+dy*dy < (size/3)*(size/3) {
				img.Set(x, y, fg)
			} else {
				img.Set(x, y, bg)
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return Image{}, err
	}
	return Image{body: buf.Bytes(), contentType: "image/png"}, nil
}

// Cover draws the fallback cover: a vertical gradient, as JPEG.
func Cover() (Image, error) {
	const w, h = 360, 640
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		shade := uint8(0x20 + y*0x60/h)
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{shade, shade, shade + 0x10, 0xff})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}); err != nil {
		return Image{}, err
	}
	return Image{body: buf.Bytes(), contentType: "image/jpeg"}, nil
}

// Handler serves the image with its content type and a long cache lifetime.
func (i Image) Handler() app.HandlerFunc {
	return func(ctx context.Context, c *app.RequestContext) {
		c.Header("Cache-Control", "public, max-age=86400")
		c.Header("Content-Length", strconv.Itoa(len(i.body)))
		c.Data(http.StatusOK, i.contentType, i.body)
	}
}
