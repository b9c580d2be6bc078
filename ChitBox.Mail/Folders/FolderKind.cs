namespace ChitBox.Mail.Folders;

/// <summary>What a folder is for; stored and served as its lower-case name.</summary>
public enum FolderKind
{
    Inbox,
    Sent,
    Drafts,
    Trash,
    Archive,
    Custom,
}
