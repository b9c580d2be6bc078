using ChitBox.Mail.Data;
using ChitBox.Tests.Infrastructure;
using Npgsql;

namespace ChitBox.Tests.Mail;

public sealed class MailDataSourceTests
{
    [Fact]
    public async Task Connections_run_prepared_statements_on_generic_plans()
    {
        var servers = await TestServers.GetAsync();
        await using var dataSource = MailDataExtensions.CreateDataSource(servers.PostgresConnectionString);

        Assert.Equal("force_generic_plan", await ShowAsync(dataSource, "plan_cache_mode"));
    }

    [Fact]
    public async Task Options_given_in_the_connection_string_are_kept()
    {
        var servers = await TestServers.GetAsync();
        var connectionString = new NpgsqlConnectionStringBuilder(servers.PostgresConnectionString)
        {
            Options = "-c plan_cache_mode=auto -c application_name=mine",
        }.ConnectionString;
        await using var dataSource = MailDataExtensions.CreateDataSource(connectionString);

        Assert.Equal("auto", await ShowAsync(dataSource, "plan_cache_mode"));
        Assert.Equal("mine", await ShowAsync(dataSource, "application_name"));
    }

    private static async Task<string?> ShowAsync(NpgsqlDataSource dataSource, string setting)
    {
        await using var command = dataSource.CreateCommand($"SHOW {setting}");
        return (string?)await command.ExecuteScalarAsync();
    }
}
