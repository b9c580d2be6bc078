using ChitBox.Mail.Messages;

namespace ChitBox.Api.Messages;

/// <param name="Size">Decoded size in octets.</param>
public sealed record AttachmentResponse(Guid Id, string? FileName, string ContentType, long Size, string? ContentId, bool IsInline)
{
    public static AttachmentResponse From(Attachment a) => new(a.Id, a.FileName, a.ContentType, a.Size, a.ContentId, a.IsInline);
}
