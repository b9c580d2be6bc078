using Npgsql;

namespace ChitBox.Tests.Infrastructure;

public static class DataSourceQueries
{
    /// <summary>The first column of the first row; the parameters bind to $1, $2, ... in order.</summary>
    public static async Task<T> ScalarAsync<T>(this NpgsqlDataSource dataSource, string sql, params object[] parameters)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }
}
