using ChitBox.Mail.Folders;
using ChitBox.Mail.Users;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace ChitBox.Mail.Data.Configurations;

internal sealed class FolderConfiguration : IEntityTypeConfiguration<Folder>
{
    public void Configure(EntityTypeBuilder<Folder> builder)
    {
        builder.Property(f => f.Name).HasMaxLength(200);
        builder.Property(f => f.Kind).HasConversion(
            kind => kind.ToString().ToLowerInvariant(),
            text => Enum.Parse<FolderKind>(text, ignoreCase: true)).HasMaxLength(16);
        builder.HasOne<User>().WithMany().HasForeignKey(f => f.UserId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(f => new { f.UserId, f.Name }).IsUnique();
        builder.HasIndex(f => new { f.UserId, f.Kind });
    }
}
