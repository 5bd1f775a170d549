// Renders the gateway's own OpenAPI description. A separate file rather than an inline script,
// so that the page's Content-Security-Policy can allow scripts from this origin only.
window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '/docs/openapi.yaml',
    dom_id: '#swagger-ui',
    deepLinking: true,
    persistAuthorization: true,
    displayRequestDuration: true,
    defaultModelsExpandDepth: 0,
    docExpansion: 'list'
  });
});
