using Scalar.AspNetCore;

namespace ChitBox.Api;

public static class ApiDocumentationExtensions
{
    public static IHostApplicationBuilder AddApiDocumentation(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOpenApi();
        return builder;
    }

    /// <summary>The OpenAPI document at <c>/openapi/v1.json</c>; the Scalar UI at <c>/scalar</c> in Development.</summary>
    public static WebApplication MapApiDocumentation(this WebApplication app)
    {
        app.MapOpenApi();
        if (app.Environment.IsDevelopment())
        {
            app.MapScalarApiReference();
        }

        return app;
    }
}
