using System.Text;
using Microsoft.AspNetCore.Http.Features;

namespace ChitBox.Api.Realtime;

/// <summary>
/// SignalR answers some errors itself, as text/plain (400 "Connection ID required", 404 "No
/// Connection with that ID") or with an empty text/plain body (405): the status-code pages
/// leave those alone. This gives them the API's problem+json, SignalR's text as the detail.
/// </summary>
public static class HubErrorProblems
{
    public static IApplicationBuilder UseHubErrorProblems(this IApplicationBuilder app) =>
        app.UseWhen(context => context.Request.Path.StartsWithSegments(MailHub.Path), hub => hub.Use(RewriteAsync));

    private static async Task RewriteAsync(HttpContext context, RequestDelegate next)
    {
        var original = context.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
        var body = new ErrorBodyFilter(context.Response, original.Stream);
        context.Features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(body, original));
        try
        {
            await next(context);
        }
        finally
        {
            context.Features.Set(original);
        }

        if (!context.Response.HasStarted && context.Response.StatusCode >= StatusCodes.Status400BadRequest)
        {
            context.Response.ContentType = null;
            context.Response.ContentLength = null;
            await TypedResults.Problem(statusCode: context.Response.StatusCode, detail: body.HeldBack).ExecuteAsync(context);
        }
    }

    /// <summary>Passes a success through; holds back an error's body, sending nothing, so a problem can replace it.</summary>
    private sealed class ErrorBodyFilter(HttpResponse response, Stream inner) : Stream
    {
        private const int MaxHeldBack = 1024;

        private readonly MemoryStream _heldBack = new();
        private bool? _isError;

        public string? HeldBack => _heldBack.Length == 0 ? null : Encoding.UTF8.GetString(_heldBack.ToArray());

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        // Decided at the first write or flush, when the status is final.
        private bool IsError => _isError ??= response.StatusCode >= StatusCodes.Status400BadRequest;

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (IsError)
            {
                HoldBack(buffer);
                return;
            }

            inner.Write(buffer);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (IsError)
            {
                HoldBack(buffer.Span);
                return ValueTask.CompletedTask;
            }

            return inner.WriteAsync(buffer, cancellationToken);
        }

        public override void Flush()
        {
            if (!IsError)
            {
                inner.Flush();
            }
        }

        public override Task FlushAsync(CancellationToken cancellationToken) =>
            IsError ? Task.CompletedTask : inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        private void HoldBack(ReadOnlySpan<byte> buffer) =>
            _heldBack.Write(buffer[..Math.Min(buffer.Length, MaxHeldBack - (int)_heldBack.Length)]);
    }
}
