using System.Text.Json.Serialization;
using ChitBox.Api.Mailboxes;
using ChitBox.Mail.Messages;

namespace ChitBox.Api.Messages;

/// <summary>
/// The summary fields, then what reading a message needs; <see cref="BodyHtml"/> is sanitized.
/// The summary's fields are serialized first (its properties keep the default order 0).
/// </summary>
public sealed record MessageDetail : MessageSummary
{
    private const int AfterSummary = 1;

    private MessageDetail(MessageSummary summary)
        : base(summary)
    {
    }

    [JsonPropertyOrder(AfterSummary)]
    public required IReadOnlyList<MailAddress> To { get; init; }

    [JsonPropertyOrder(AfterSummary)]
    public required IReadOnlyList<MailAddress> Cc { get; init; }

    [JsonPropertyOrder(AfterSummary)]
    public required string? BodyText { get; init; }

    [JsonPropertyOrder(AfterSummary)]
    public required string? BodyHtml { get; init; }

    [JsonPropertyOrder(AfterSummary)]
    public required string? MessageId { get; init; }

    [JsonPropertyOrder(AfterSummary)]
    public required string? InReplyTo { get; init; }

    [JsonPropertyOrder(AfterSummary)]
    public required IReadOnlyList<AttachmentResponse> Attachments { get; init; }

    public static MessageDetail From(MailMessage m, HtmlBodySanitizer sanitizer) => new(MessageSummary.From(m))
    {
        To = m.To,
        Cc = m.Cc,
        BodyText = m.BodyText,
        BodyHtml = sanitizer.Sanitize(m.BodyHtml),
        MessageId = m.MessageId,
        InReplyTo = m.InReplyTo,
        Attachments = m.Attachments.OrderBy(a => a.ContentOffset).Select(AttachmentResponse.From).ToList(),
    };
}
