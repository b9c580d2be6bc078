namespace ChitBox.Mail.Messages;

/// <summary>
/// An attachment or inline part. Its content is not copied: it is the range
/// [<see cref="ContentOffset"/>, +<see cref="ContentLength"/>) of the raw message,
/// still in its transfer encoding, decoded as it is served.
/// </summary>
public sealed class Attachment
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public Guid MessageId { get; set; }

    public string? FileName { get; set; }

    public required string ContentType { get; set; }

    /// <summary>Decoded size in octets.</summary>
    public long Size { get; set; }

    /// <summary>Content-ID without angle brackets.</summary>
    public string? ContentId { get; set; }

    public bool IsInline { get; set; }

    public long ContentOffset { get; set; }

    public long ContentLength { get; set; }

    /// <summary>Content-Transfer-Encoding of the stored range (base64, quoted-printable, or null for none).</summary>
    public string? TransferEncoding { get; set; }
}
