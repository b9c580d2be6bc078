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

        Assert.Equal("force_generic_plan", await dataSource.ScalarAsync<string>("SHOW plan_cache_mode"));
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

        Assert.Equal("auto", await dataSource.ScalarAsync<string>("SHOW plan_cache_mode"));
        Assert.Equal("mine", await dataSource.ScalarAsync<string>("SHOW application_name"));
    }
}
