namespace ChitBox.Mail.Messages;

/// <summary>One user's copy of a message, with the fields pulled out of the raw bytes for listing.</summary>
public sealed class MailMessage
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public Guid UserId { get; set; }

    public Guid FolderId { get; set; }

    public Guid ThreadId { get; set; }

    public Guid RawMessageId { get; set; }

    /// <summary>Headers ChitBox added (Received:), served before the raw bytes.</summary>
    public string TraceHeaders { get; set; } = "";

    public string? FromEmail { get; set; }

    public string? FromName { get; set; }

    public List<MailAddress> To { get; set; } = [];

    public List<MailAddress> Cc { get; set; } = [];

    public string? Subject { get; set; }

    public string? Snippet { get; set; }

    public string? BodyText { get; set; }

    public string? BodyHtml { get; set; }

    /// <summary>Message-ID without angle brackets.</summary>
    public string? MessageId { get; set; }

    /// <summary>In-Reply-To without angle brackets.</summary>
    public string? InReplyTo { get; set; }

    public List<string> References { get; set; } = [];

    public DateTimeOffset SentAt { get; set; }

    /// <summary>Arrival time: "newest first" orders by this.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    public bool IsRead { get; set; }

    public bool HasAttachments { get; set; }

    /// <summary>Size of the raw message in octets, trace headers included.</summary>
    public long Size { get; set; }

    /// <summary>What the MIME parser could not make sense of; null when nothing.</summary>
    public string? ParseProblems { get; set; }

    public List<Attachment> Attachments { get; set; } = [];
}
