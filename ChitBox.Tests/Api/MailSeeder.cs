using System.Diagnostics;
using ChitBox.Mail.Data;
using ChitBox.Mail.Folders;
using ChitBox.Mail.Messages;
using ChitBox.Mail.Notifications;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using MimeKit.IO;
using StackExchange.Redis;

namespace ChitBox.Tests.Api;

/// <summary>
/// Files a message the way the ingress does: one raw_messages row with the real MIME bytes,
/// per recipient a thread, a mail_messages row with its own trace headers, and attachment
/// rows that point into the raw bytes; then, per recipient, a NewMailEvent on Redis.
/// </summary>
public static class MailSeeder
{
    public static MimeMessage Build(
        string subject,
        string? text = "Hello there.",
        string? html = null,
        string from = "Alice Sender <alice@example.org>",
        IEnumerable<(string FileName, string ContentType, byte[] Content, ContentEncoding Encoding)>? attachments = null,
        IEnumerable<(string ContentId, string ContentType, byte[] Content)>? inline = null)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse("Bob <bob@chitbox.local>"));
        message.Cc.Add(MailboxAddress.Parse("Carol <carol@chitbox.local>"));
        message.Subject = subject;
        message.MessageId = $"{Guid.NewGuid():N}@example.org";
        message.Date = new DateTimeOffset(2026, 11, 1, 9, 30, 0, TimeSpan.Zero);

        var body = new BodyBuilder { TextBody = text, HtmlBody = html };
        foreach (var (fileName, contentType, content, encoding) in attachments ?? [])
        {
            var part = (MimePart)body.Attachments.Add(fileName, content, ContentType.Parse(contentType));
            part.ContentTransferEncoding = encoding;
        }

        foreach (var (contentId, contentType, content) in inline ?? [])
        {
            var part = (MimePart)body.LinkedResources.Add(contentId + ".bin", content, ContentType.Parse(contentType));
            part.ContentId = contentId;
            part.ContentTransferEncoding = ContentEncoding.Base64;
        }

        message.Body = body.ToMessageBody();
        return message;
    }

    public static async Task<SeededMessage> DeliverAsync(
        IServiceProvider services, Guid userId, MimeMessage message, DateTimeOffset? createdAt = null, bool publish = true) =>
        (await DeliverToAllAsync(services, [userId], message, createdAt, publish))[0];

    /// <summary>One raw row shared by every recipient's copy, as the ingress stores a multi-recipient message.</summary>
    public static async Task<IReadOnlyList<SeededMessage>> DeliverToAllAsync(
        IServiceProvider services, IReadOnlyList<Guid> userIds, MimeMessage message, DateTimeOffset? createdAt = null, bool publish = true)
    {
        var raw = Serialize(message);
        var parts = LocateParts(raw);
        var arrived = createdAt ?? DateTimeOffset.UtcNow;
        arrived = new DateTimeOffset(arrived.UtcTicks - arrived.UtcTicks % 10, TimeSpan.Zero); // PostgreSQL keeps microseconds

        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MailDbContext>();
        var rawMessage = new RawMessage { Content = raw, Size = raw.Length, ReceivedAt = arrived };
        db.RawMessages.Add(rawMessage);

        var seeded = new List<SeededMessage>();
        foreach (var userId in userIds)
        {
            var inbox = await db.Folders.SingleAsync(f => f.UserId == userId && f.Kind == FolderKind.Inbox);
            var thread = new MailThread { UserId = userId, Subject = message.Subject, CreatedAt = arrived, LastMessageAt = arrived };
            var traceHeaders = $"Received: from test.example.org by chitbox.local for <{userId:N}@chitbox.local>; {arrived:R}\r\n";
            var copy = new MailMessage
            {
                UserId = userId,
                FolderId = inbox.Id,
                ThreadId = thread.Id,
                RawMessageId = rawMessage.Id,
                TraceHeaders = traceHeaders,
                FromEmail = message.From.Mailboxes.FirstOrDefault()?.Address,
                FromName = message.From.Mailboxes.FirstOrDefault()?.Name,
                To = message.To.Mailboxes.Select(m => new ChitBox.Mail.Messages.MailAddress(m.Address, m.Name)).ToList(),
                Cc = message.Cc.Mailboxes.Select(m => new ChitBox.Mail.Messages.MailAddress(m.Address, m.Name)).ToList(),
                Subject = message.Subject,
                Snippet = message.TextBody?[..Math.Min(message.TextBody.Length, 100)],
                BodyText = message.TextBody,
                BodyHtml = message.HtmlBody,
                MessageId = message.MessageId,
                InReplyTo = message.InReplyTo,
                SentAt = message.Date,
                CreatedAt = arrived,
                HasAttachments = parts.Count > 0,
                Size = raw.Length + System.Text.Encoding.UTF8.GetByteCount(traceHeaders),
                Attachments = parts.Select(p => new Attachment
                {
                    FileName = p.FileName,
                    ContentType = p.ContentType,
                    Size = p.Decoded.Length,
                    ContentId = p.ContentId,
                    IsInline = p.IsInline,
                    ContentOffset = p.Offset,
                    ContentLength = p.Length,
                    TransferEncoding = p.TransferEncoding,
                }).ToList(),
            };
            db.Threads.Add(thread);
            db.Messages.Add(copy);
            seeded.Add(new SeededMessage(
                copy.Id, thread.Id, inbox.Id, rawMessage.Id, raw, traceHeaders, ActivityTraceId.CreateRandom(),
                copy.Attachments.Select((a, i) => new SeededAttachment(a.Id, a.FileName, a.ContentType, parts[i].Decoded)).ToList(),
                copy));
        }

        await db.SaveChangesAsync();

        if (publish)
        {
            var subscriber = services.GetRequiredService<IConnectionMultiplexer>().GetSubscriber();
            foreach (var copy in seeded)
            {
                var m = copy.Entity;
                var traceParent = $"00-{copy.TraceId}-{ActivitySpanId.CreateRandom()}-01";
                var newMail = new NewMailEvent(
                    [new NewMailCopy(m.UserId, m.FolderId, m.Id, m.ThreadId)],
                    NewMailContent.Create(m.FromEmail, m.FromName, m.Subject, m.BodyText, m.BodyHtml, m.SentAt, m.CreatedAt),
                    traceParent,
                    null);
                await subscriber.PublishAsync(RedisChannel.Literal(NewMailEvent.Channel), newMail.Serialize());
            }
        }

        return seeded;
    }

    private static byte[] Serialize(MimeMessage message)
    {
        using var stream = new MemoryStream();
        message.WriteTo(new FormatOptions { NewLineFormat = NewLineFormat.Dos }, stream);
        return stream.ToArray();
    }

    /// <summary>Parses the bytes back and reads each part's encoded range from the parser's bound streams.</summary>
    private static List<LocatedPart> LocateParts(byte[] raw)
    {
        var parsed = MimeMessage.Load(new MemoryStream(raw, writable: false), persistent: true);
        var located = new List<LocatedPart>();
        foreach (var part in parsed.BodyParts.OfType<MimePart>().Where(p => p.IsAttachment || p.ContentId is not null))
        {
            var content = part.Content!;
            var bound = (BoundStream)content.Stream!;
            using var decoded = new MemoryStream();
            content.DecodeTo(decoded);
            located.Add(new LocatedPart(
                part.FileName,
                part.ContentType.MimeType,
                part.ContentId,
                !part.IsAttachment,
                bound.StartBoundary,
                bound.EndBoundary - bound.StartBoundary,
                part.ContentTransferEncoding switch
                {
                    ContentEncoding.Base64 => "base64",
                    ContentEncoding.QuotedPrintable => "quoted-printable",
                    ContentEncoding.Binary => "binary",
                    ContentEncoding.EightBit => "8bit",
                    _ => null,
                },
                decoded.ToArray()));
        }

        return located;
    }

    private sealed record LocatedPart(
        string? FileName, string ContentType, string? ContentId, bool IsInline, long Offset, long Length, string? TransferEncoding, byte[] Decoded);
}

public sealed record SeededAttachment(Guid Id, string? FileName, string ContentType, byte[] Content);

public sealed record SeededMessage(
    Guid Id,
    Guid ThreadId,
    Guid FolderId,
    Guid RawMessageId,
    byte[] Raw,
    string TraceHeaders,
    ActivityTraceId TraceId,
    IReadOnlyList<SeededAttachment> Attachments,
    MailMessage Entity);
