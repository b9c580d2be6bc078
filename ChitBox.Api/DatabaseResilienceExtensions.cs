using ChitBox.Mail.Data;
using Microsoft.EntityFrameworkCore;

namespace ChitBox.Api;

/// <summary>
/// How the API rides out a database that drops its connections (a restart, a failover) or
/// is briefly out of reach. The ingress does its own retrying and is not affected.
/// </summary>
public static class DatabaseResilienceExtensions
{
    /// <summary>The first retry is immediate (a dropped pooled connection), the second about a second later.</summary>
    public const int MaxRetryCount = 2;

    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Runs every EF Core operation under Npgsql's retrying execution strategy, so a request
    /// that meets a connection PostgreSQL has dropped runs again on a new one. A transaction
    /// the code opens itself must then run inside <c>CreateExecutionStrategy().ExecuteAsync</c>
    /// as a unit that is safe to repeat.
    /// </summary>
    public static IHostApplicationBuilder AddDatabaseResilience(this IHostApplicationBuilder builder)
    {
        builder.Services.ConfigureDbContext<MailDbContext>(options =>
            options.UseNpgsql(npgsql => npgsql.EnableRetryOnFailure(MaxRetryCount, MaxRetryDelay, errorCodesToAdd: null)));
        return builder;
    }
}
