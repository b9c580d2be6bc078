using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Json;

namespace ChitBox.Api;

/// <summary>
/// What every endpoint shares: camelCase JSON with enums as lower-case names, and every
/// error (unknown route, bad JSON, oversized body, exception, 401, database unavailable) as problem+json.
/// </summary>
public static class ApiConventionsExtensions
{
    /// <summary>JSON request bodies are small; larger ones get 413 before they are read.</summary>
    public const long MaxJsonBodySize = 64 * 1024;

    public static IHostApplicationBuilder AddApiConventions(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<JsonOptions>(options =>
            options.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase)));
        // Bad JSON or a bad route value answers 400 through the status-code pages,
        // as problem+json, rather than as an exception in Development.
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = false);
        // Problems carry a traceId, so a user's error report leads to the trace.
        builder.Services.AddProblemDetails();
        return builder;
    }

    public static WebApplication UseApiConventions(this WebApplication app)
    {
        // Both write through the problem-details service when it can, and otherwise write the
        // problem themselves: the built-in writer declines when the client does not accept
        // JSON (Accept: text/html), which left plain text or an empty body.
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandler = WriteProblemAsync,
            // The database still out of reach after the retries is no fault of the request or
            // the server's code: 503, and the client may try again.
            StatusCodeSelector = e => DatabaseResilienceExtensions.IsDatabaseUnavailable(e)
                ? StatusCodes.Status503ServiceUnavailable
                : StatusCodes.Status500InternalServerError,
        });
        app.UseStatusCodePages(context => WriteProblemAsync(context.HttpContext));
        app.Use(LimitJsonBodySize);
        return app;
    }

    private static Task WriteProblemAsync(HttpContext context)
    {
        if (context.Response.StatusCode == StatusCodes.Status503ServiceUnavailable)
        {
            context.Response.Headers.RetryAfter = DatabaseResilienceExtensions.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        }

        return TypedResults.Problem(statusCode: context.Response.StatusCode).ExecuteAsync(context);
    }

    private static Task LimitJsonBodySize(HttpContext context, RequestDelegate next)
    {
        if (!context.Request.Path.StartsWithSegments("/api"))
        {
            return next(context);
        }

        if (context.Request.ContentLength > MaxJsonBodySize)
        {
            return TypedResults.Problem(
                    statusCode: StatusCodes.Status413PayloadTooLarge,
                    detail: $"Request bodies are limited to {MaxJsonBodySize} octets.")
                .ExecuteAsync(context);
        }

        // Also bounds bodies sent without a Content-Length (chunked).
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxJsonBodySize;
        }

        return next(context);
    }
}
