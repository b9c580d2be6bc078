using ChitBox.Api.Auth;
using ChitBox.Mail.Data;
using ChitBox.Mail.Folders;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;

namespace ChitBox.Api.Messages;

public static class MessagesApi
{
    private const string RawContentType = "message/rfc822";
    private const string FallbackContentType = "application/octet-stream";

    public static IEndpointRouteBuilder MapMessagesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Messages").RequireAuthorization();
        api.MapGet("/messages/{id:guid}", GetMessageAsync);
        api.MapGet("/messages/{id:guid}/raw", GetRawAsync).Produces(StatusCodes.Status200OK, contentType: RawContentType);
        api.MapPatch("/messages/{id:guid}", PatchMessageAsync);
        api.MapDelete("/messages/{id:guid}", DeleteMessageAsync);
        api.MapGet("/attachments/{id:guid}", GetAttachmentAsync).Produces(StatusCodes.Status200OK, contentType: FallbackContentType);
        return app;
    }

    public static async Task<Results<Ok<MessageDetail>, ProblemHttpResult>> GetMessageAsync(
        Guid id, HttpContext httpContext, MailDbContext db, HtmlBodySanitizer sanitizer, CancellationToken cancellationToken)
    {
        var userId = httpContext.User.GetUserId();
        var message = await db.Messages.AsNoTracking().Include(m => m.Attachments)
            .SingleOrDefaultAsync(m => m.Id == id && m.UserId == userId, cancellationToken);
        return message is null ? MessageNotFound() : TypedResults.Ok(MessageDetail.From(message, sanitizer));
    }

    public static async Task<Results<PushStreamHttpResult, ProblemHttpResult>> GetRawAsync(
        Guid id, HttpContext httpContext, MessageContentStore store, CancellationToken cancellationToken)
    {
        var raw = await store.OpenRawAsync(httpContext.User.GetUserId(), id, cancellationToken);
        if (raw is null)
        {
            return MessageNotFound();
        }

        httpContext.Response.RegisterForDisposeAsync(raw);
        httpContext.Response.ContentLength = raw.Length;
        SetUntrustedContentHeaders(httpContext.Response);
        return TypedResults.Stream(body => raw.CopyToAsync(body, httpContext.RequestAborted), RawContentType);
    }

    public static async Task<Results<PushStreamHttpResult, ProblemHttpResult>> GetAttachmentAsync(
        Guid id, HttpContext httpContext, MessageContentStore store, ApiTelemetry telemetry, CancellationToken cancellationToken)
    {
        var attachment = await store.OpenAttachmentAsync(httpContext.User.GetUserId(), id, cancellationToken);
        if (attachment is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, detail: "No such attachment.");
        }

        httpContext.Response.RegisterForDisposeAsync(attachment);
        if (attachment.Size > 0)
        {
            httpContext.Response.ContentLength = attachment.Size;
        }

        var disposition = new ContentDispositionHeaderValue(attachment.IsInline ? "inline" : "attachment");
        disposition.SetHttpFileName(SafeFileName(attachment.FileName));
        httpContext.Response.Headers.ContentDisposition = disposition.ToString();
        SetUntrustedContentHeaders(httpContext.Response);

        var contentType = MediaTypeHeaderValue.TryParse(attachment.ContentType, out var parsed) ? parsed.ToString() : FallbackContentType;
        return TypedResults.Stream(
            async body => telemetry.AttachmentBytesServed(await attachment.CopyDecodedToAsync(body, httpContext.RequestAborted)),
            contentType);
    }

    public static async Task<Results<Ok<MessageDetail>, ProblemHttpResult>> PatchMessageAsync(
        Guid id,
        PatchMessageRequest request,
        HttpContext httpContext,
        MailDbContext db,
        HtmlBodySanitizer sanitizer,
        CancellationToken cancellationToken)
    {
        var userId = httpContext.User.GetUserId();
        var message = await db.Messages.Include(m => m.Attachments)
            .SingleOrDefaultAsync(m => m.Id == id && m.UserId == userId, cancellationToken);
        if (message is null)
        {
            return MessageNotFound();
        }

        if (request.FolderId is { } folderId && folderId != message.FolderId)
        {
            if (!await db.Folders.AnyAsync(f => f.Id == folderId && f.UserId == userId, cancellationToken))
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, detail: "No such folder.");
            }

            message.FolderId = folderId;
        }

        if (request.IsRead is { } isRead)
        {
            message.IsRead = isRead;
        }

        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(MessageDetail.From(message, sanitizer));
    }

    /// <summary>Moves the message to Trash; from Trash, deletes it for good.</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteMessageAsync(
        Guid id, HttpContext httpContext, MailDbContext db, CancellationToken cancellationToken)
    {
        var userId = httpContext.User.GetUserId();
        var message = await db.Messages.AsNoTracking()
            .Where(m => m.Id == id && m.UserId == userId)
            .Select(m => new { m.FolderId, m.RawMessageId })
            .SingleOrDefaultAsync(cancellationToken);
        if (message is null)
        {
            return MessageNotFound();
        }

        var trashId = await db.Folders
            .Where(f => f.UserId == userId && f.Kind == FolderKind.Trash)
            .Select(f => (Guid?)f.Id)
            .FirstOrDefaultAsync(cancellationToken)
            ?? throw new InvalidOperationException($"User {userId} has no Trash folder.");

        if (message.FolderId != trashId)
        {
            await db.Messages.Where(m => m.Id == id && m.UserId == userId)
                .ExecuteUpdateAsync(set => set.SetProperty(m => m.FolderId, trashId), cancellationToken);
            return TypedResults.NoContent();
        }

        // The retrying strategy runs the whole transaction again if the connection is lost;
        // run twice (say the first commit went through unacknowledged) it deletes nothing more.
        await db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            // Lock the shared raw row first, so two copies deleted at once cannot both
            // see the other still referencing it and leave it behind.
            await db.Database.ExecuteSqlAsync(
                $"SELECT 1 FROM raw_messages WHERE id = {message.RawMessageId} FOR UPDATE", ct);
            await db.Database.ExecuteSqlAsync(
                $"DELETE FROM mail_messages WHERE id = {id} AND user_id = {userId}", ct);
            await db.Database.ExecuteSqlAsync(
                $"""
                DELETE FROM raw_messages r WHERE r.id = {message.RawMessageId}
                AND NOT EXISTS (SELECT 1 FROM mail_messages m WHERE m.raw_message_id = r.id)
                """, ct);
            await transaction.CommitAsync(ct);
        }, cancellationToken);
        return TypedResults.NoContent();
    }

    private static ProblemHttpResult MessageNotFound() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, detail: "No such message.");

    // Mail is untrusted: never let a browser sniff it into HTML or run it in the API's origin.
    private static void SetUntrustedContentHeaders(HttpResponse response)
    {
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.ContentSecurityPolicy = "sandbox; default-src 'none'";
    }

    private static string SafeFileName(string? fileName)
    {
        var name = Path.GetFileName(fileName ?? "");
        name = new string(name.Where(c => !char.IsControl(c)).ToArray()).Trim();
        return name.Length > 0 ? name : "attachment";
    }
}
