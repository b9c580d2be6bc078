using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace ChitBox.Mail.Data;

public static class MailDataExtensions
{
    /// <summary>The connection string name, as an Aspire AppHost injects it.</summary>
    public const string ConnectionName = "chitbox";

    /// <summary>
    /// Registers the mail database: one pooled <see cref="NpgsqlDataSource"/>, the EF Core
    /// context over it, and the schema initializer that runs before the service takes work.
    /// </summary>
    public static IHostApplicationBuilder AddMailData(this IHostApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString(ConnectionName)
            ?? throw new InvalidOperationException(
                $"No PostgreSQL connection string: set ConnectionStrings__{ConnectionName} " +
                "(or start the whole stack with `dotnet run --project ChitBox.AppHost`).");

        builder.Services.AddSingleton(_ => CreateDataSource(connectionString));
        builder.Services.AddDbContextPool<MailDbContext>((services, options) =>
            ConfigureDbContext(options, services.GetRequiredService<NpgsqlDataSource>()));
        builder.Services.AddHostedService<MailSchemaInitializer>();
        builder.Services.AddHealthChecks().AddNpgSql(services => services.GetRequiredService<NpgsqlDataSource>(), name: "postgresql");
        return builder;
    }

    public static NpgsqlDataSource CreateDataSource(string connectionString)
    {
        var dataSource = new NpgsqlDataSourceBuilder(connectionString);
        if (dataSource.ConnectionStringBuilder.MaxAutoPrepare == 0)
        {
            // The same few statements run for every message and request: prepared once per
            // connection, PostgreSQL stops parsing and planning them each time.
            dataSource.ConnectionStringBuilder.MaxAutoPrepare = 32;
            dataSource.ConnectionStringBuilder.AutoPrepareMinUsages = 2;
        }

        var options = dataSource.ConnectionStringBuilder.Options;
        if (options?.Contains("plan_cache_mode", StringComparison.Ordinal) != true)
        {
            // Every statement here is a keyed lookup or insert whose generic plan is right. Left
            // to choose, PostgreSQL re-plans a prepared statement whose generic plan looks
            // dearer than its custom ones, and the filing statement was planned anew for
            // every message: more than a third of PostgreSQL's time per message.
            dataSource.ConnectionStringBuilder.Options = $"{options} -c plan_cache_mode=force_generic_plan".TrimStart();
        }

        // Nothing changes session state (settings, temporary tables, listens): skip the reset
        // Npgsql otherwise sends, parsed and run by the server, before each pooled connection's reuse.
        dataSource.ConnectionStringBuilder.NoResetOnClose = true;

        // jsonb columns (To, Cc) use the web naming the ingress writes them with.
        dataSource.ConfigureJsonOptions(System.Text.Json.JsonSerializerOptions.Web).EnableDynamicJson();
        return dataSource.Build();
    }

    internal static void ConfigureDbContext(DbContextOptionsBuilder options, NpgsqlDataSource dataSource) =>
        options.UseNpgsql(dataSource, npgsql => npgsql.MigrationsHistoryTable("__ef_migrations_history"))
            .UseSnakeCaseNamingConvention();

    internal static void ConfigureDbContext(DbContextOptionsBuilder options, string connectionString) =>
        ConfigureDbContext(options, CreateDataSource(connectionString));
}
