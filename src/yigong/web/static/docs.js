/* The API's documentation pages, offline: Swagger UI (/docs) and ReDoc (/redoc) from the
   bundled packages, started here rather than by an inline script (the pages' CSP has none). */
document.addEventListener("DOMContentLoaded", function () {
  var swagger = document.getElementById("swagger-ui");
  if (swagger && typeof SwaggerUIBundle !== "undefined") {
    SwaggerUIBundle({
      url: swagger.getAttribute("data-spec"),
      dom_id: "#swagger-ui",
      deepLinking: true,
      validatorUrl: null,
      persistAuthorization: false,
      presets: [SwaggerUIBundle.presets.apis],
      layout: "BaseLayout"
    });
    swagger.setAttribute("data-rendered", "1");
  }
  var redoc = document.getElementById("redoc");
  if (redoc && typeof Redoc !== "undefined") {
    Redoc.init(redoc.getAttribute("data-spec"), { disableSearch: false, hideDownloadButton: false }, redoc,
      function () { redoc.setAttribute("data-rendered", "1"); });
  }
});
