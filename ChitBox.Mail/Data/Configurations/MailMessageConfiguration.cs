using ChitBox.Mail.Folders;
using ChitBox.Mail.Messages;
using ChitBox.Mail.Users;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ChitBox.Mail.Data.Configurations;

internal sealed class MailMessageConfiguration : IEntityTypeConfiguration<MailMessage>
{
    public void Configure(EntityTypeBuilder<MailMessage> builder)
    {
        builder.ToTable("mail_messages");
        builder.Property(m => m.To).HasColumnType("jsonb");
        builder.Property(m => m.Cc).HasColumnType("jsonb");
        builder.HasOne<User>().WithMany().HasForeignKey(m => m.UserId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Folder>().WithMany().HasForeignKey(m => m.FolderId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<MailThread>().WithMany().HasForeignKey(m => m.ThreadId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<RawMessage>().WithMany().HasForeignKey(m => m.RawMessageId).OnDelete(DeleteBehavior.Restrict);
        builder.HasMany(m => m.Attachments).WithOne().HasForeignKey(a => a.MessageId).OnDelete(DeleteBehavior.Cascade);

        // A folder's listing, newest first, paged by (created_at, id).
        builder.HasIndex(m => new { m.FolderId, m.CreatedAt, m.Id }).IsDescending(false, true, true);
        // A thread's messages, oldest first.
        builder.HasIndex(m => new { m.ThreadId, m.CreatedAt });
        // Threading: a user's earlier Message-IDs.
        builder.HasIndex(m => new { m.UserId, m.MessageId });
        builder.HasIndex(m => m.RawMessageId);
    }
}
