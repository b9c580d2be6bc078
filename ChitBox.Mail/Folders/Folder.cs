namespace ChitBox.Mail.Folders;

public sealed class Folder
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public Guid UserId { get; set; }

    public required string Name { get; set; }

    public FolderKind Kind { get; set; }

    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;

    /// <summary>The folders every user has, created with the account.</summary>
    public static IReadOnlyList<Folder> StandardFolders(Guid userId) =>
    [
        new() { UserId = userId, Name = "Inbox", Kind = FolderKind.Inbox },
        new() { UserId = userId, Name = "Sent", Kind = FolderKind.Sent },
        new() { UserId = userId, Name = "Drafts", Kind = FolderKind.Drafts },
        new() { UserId = userId, Name = "Trash", Kind = FolderKind.Trash },
        new() { UserId = userId, Name = "Archive", Kind = FolderKind.Archive },
    ];
}
