using ChitBox.Mail.Folders;
using ChitBox.Mail.Messages;
using ChitBox.Mail.Users;
using Microsoft.EntityFrameworkCore;

namespace ChitBox.Mail.Data;

public sealed class MailDbContext(DbContextOptions<MailDbContext> options) : DbContext(options)
{
    public DbSet<User> Users => Set<User>();

    public DbSet<Folder> Folders => Set<Folder>();

    public DbSet<MailThread> Threads => Set<MailThread>();

    public DbSet<MailMessage> Messages => Set<MailMessage>();

    public DbSet<Attachment> Attachments => Set<Attachment>();

    public DbSet<RawMessage> RawMessages => Set<RawMessage>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(MailDbContext).Assembly);
}
