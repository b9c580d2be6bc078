using System.Diagnostics;
using System.Text;
using ChitBox.LocalInfrastructure;
using ChitBox.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ChitBox.Tests.Mail;

public sealed class MailSchemaInitializerTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("ChitBox.SmtpIngress")]
    [InlineData("ChitBox.Api")]
    public async Task A_service_started_against_an_unreachable_database_exits_with_a_message_naming_the_fix(string project)
    {
        var closedPort = FreePort.Next();
        var startInfo = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.Combine(RepositoryLayout.Root, project),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        startInfo.ArgumentList.Add(RepositoryLayout.BuiltAssembly(project));
        startInfo.Environment["DOTNET_ENVIRONMENT"] = "Development";
        startInfo.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        startInfo.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{FreePort.Next()}";
        startInfo.Environment["SMTP_SERVER_PORT"] = FreePort.Next().ToString();
        startInfo.Environment["Auth__SigningKey"] = Convert.ToBase64String(new byte[64]);
        startInfo.Environment["ConnectionStrings__chitbox"] = $"Host=127.0.0.1;Port={closedPort};Database=chitbox;Username=postgres";
        startInfo.Environment["ConnectionStrings__redis"] = $"127.0.0.1:{FreePort.Next()}";

        using var service = Process.Start(startInfo)!;
        var stdout = service.StandardOutput.ReadToEndAsync();
        var stderr = service.StandardError.ReadToEndAsync();
        try
        {
            await service.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        }
        finally
        {
            if (!service.HasExited)
            {
                service.Kill(entireProcessTree: true);
            }
        }

        var text = new StringBuilder().Append(await stdout).Append(await stderr).ToString();
        output.WriteLine(text);
        Assert.NotEqual(0, service.ExitCode);
        Assert.Contains($"Cannot reach PostgreSQL at 127.0.0.1:{closedPort}", text);
        Assert.Contains("ConnectionStrings__chitbox", text);
    }
}
