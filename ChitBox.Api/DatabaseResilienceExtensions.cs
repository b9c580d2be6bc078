using ChitBox.Mail.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace ChitBox.Api;

/// <summary>
/// How the API rides out a database that drops its connections (a restart, a failover) or
/// is briefly out of reach. The ingress does its own retrying and is not affected.
/// </summary>
public static class DatabaseResilienceExtensions
{
    /// <summary>The first retry is immediate (a dropped pooled connection), the second about a second later.</summary>
    public const int MaxRetryCount = 2;

    /// <summary>What a 503 asks the client to wait, about as long as PostgreSQL takes to restart.</summary>
    public const int RetryAfterSeconds = 5;

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

    /// <summary>
    /// True when the exception, or one it wraps, is a failure Npgsql calls transient (the server
    /// unreachable, restarting or shutting down, a lost connection): it says nothing about the
    /// request, and the same request may succeed later.
    /// </summary>
    public static bool IsDatabaseUnavailable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is NpgsqlException { IsTransient: true })
            {
                return true;
            }
        }

        return false;
    }
}
