using System.Globalization;
using ChitBox.Api.Auth;
using ChitBox.Mail.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace ChitBox.Api.Mailboxes;

/// <summary>
/// Folders, folder listings and threads. A client that reconnects to the hub catches up
/// by listing its Inbox from the first page: newest first, so anything pushed while it
/// was away is at the top. The API never polls the database for new mail.
/// </summary>
public static class MailboxApi
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 200;

    public static IEndpointRouteBuilder MapMailboxApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Mailbox").RequireAuthorization();
        api.MapGet("/folders", GetFoldersAsync);
        api.MapGet("/folders/{id:guid}/messages", GetFolderMessagesAsync);
        api.MapGet("/threads/{id:guid}", GetThreadAsync);
        return app;
    }

    public static async Task<Ok<List<FolderResponse>>> GetFoldersAsync(
        HttpContext httpContext, MailDbContext db, CancellationToken cancellationToken)
    {
        var userId = httpContext.User.GetUserId();
        var folders = await db.Folders.AsNoTracking()
            .Where(f => f.UserId == userId)
            .Select(f => new FolderResponse(
                f.Id,
                f.Name,
                f.Kind,
                db.Messages.Count(m => m.FolderId == f.Id && !m.IsRead),
                db.Messages.Count(m => m.FolderId == f.Id)))
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(folders.OrderBy(f => f.Kind).ThenBy(f => f.Name, StringComparer.CurrentCultureIgnoreCase).ToList());
    }

    public static async Task<Results<Ok<MessagePage>, ValidationProblem, ProblemHttpResult>> GetFolderMessagesAsync(
        Guid id,
        string? limit,
        string? cursor,
        HttpContext httpContext,
        MailDbContext db,
        CancellationToken cancellationToken)
    {
        // Read here rather than bound as int?: an empty value (?limit=&cursor=) means none.
        var pageSize = DefaultPageSize;
        if (!string.IsNullOrEmpty(limit)
            && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out pageSize) || pageSize is < 1 or > MaxPageSize))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["limit"] = [$"limit must be between 1 and {MaxPageSize}."],
            });
        }

        var after = default(PageCursor?);
        if (!string.IsNullOrEmpty(cursor))
        {
            if (!PageCursor.TryDecode(cursor, out var decoded))
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]>
                {
                    ["cursor"] = ["Not a cursor this API gave out."],
                });
            }

            after = decoded;
        }

        var userId = httpContext.User.GetUserId();
        if (!await db.Folders.AnyAsync(f => f.Id == id && f.UserId == userId, cancellationToken))
        {
            return FolderNotFound();
        }

        var query = db.Messages.AsNoTracking().Where(m => m.FolderId == id && m.UserId == userId);
        if (after is { } position)
        {
            // A row comparison walks the (folder_id, created_at DESC, id DESC) index.
            query = query.Where(m => EF.Functions.LessThan(
                ValueTuple.Create(m.CreatedAt, m.Id),
                ValueTuple.Create(position.CreatedAt, position.Id)));
        }

        var items = await query
            .OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id)
            .Take(pageSize + 1)
            .Select(MessageSummary.Projection)
            .ToListAsync(cancellationToken);

        string? next = null;
        if (items.Count > pageSize)
        {
            items.RemoveAt(pageSize);
            next = new PageCursor(items[^1].CreatedAt, items[^1].Id).Encode();
        }

        return TypedResults.Ok(new MessagePage(items, next));
    }

    public static async Task<Results<Ok<ThreadResponse>, ProblemHttpResult>> GetThreadAsync(
        Guid id, HttpContext httpContext, MailDbContext db, CancellationToken cancellationToken)
    {
        var userId = httpContext.User.GetUserId();
        var thread = await db.Threads.AsNoTracking()
            .Where(t => t.Id == id && t.UserId == userId)
            .Select(t => new { t.Id, t.Subject })
            .SingleOrDefaultAsync(cancellationToken);
        if (thread is null)
        {
            return ThreadNotFound();
        }

        var messages = await db.Messages.AsNoTracking()
            .Where(m => m.ThreadId == id && m.UserId == userId)
            .OrderBy(m => m.CreatedAt).ThenBy(m => m.Id)
            .Select(MessageSummary.Projection)
            .ToListAsync(cancellationToken);

        // A thread whose last message was deleted for good is gone to the user. Its row stays:
        // deleting it would race the ingress, which files a reply into the thread of the
        // message it answers in one statement and would find that thread missing.
        return messages.Count == 0
            ? ThreadNotFound()
            : TypedResults.Ok(new ThreadResponse(thread.Id, thread.Subject, messages));
    }

    private static ProblemHttpResult ThreadNotFound() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, detail: "No such thread.");

    private static ProblemHttpResult FolderNotFound() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, detail: "No such folder.");
}
