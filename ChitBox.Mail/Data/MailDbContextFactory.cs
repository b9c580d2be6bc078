using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace ChitBox.Mail.Data;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without a running service.</summary>
internal sealed class MailDbContextFactory : IDesignTimeDbContextFactory<MailDbContext>
{
    public MailDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<MailDbContext>();
        MailDataExtensions.ConfigureDbContext(options, "Host=localhost;Database=chitbox");
        return new MailDbContext(options.Options);
    }
}
