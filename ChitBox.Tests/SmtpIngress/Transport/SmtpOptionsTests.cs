using System.ComponentModel.DataAnnotations;
using ChitBox.SmtpIngress;
using ChitBox.SmtpIngress.Transport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ChitBox.Tests.SmtpIngress.Transport;

public sealed class SmtpOptionsTests
{
    [Fact]
    public void Defaults_match_the_contract()
    {
        var options = Resolve([]);

        Assert.Equal(2525, options.Port);
        Assert.Equal("localhost", options.Host);
        Assert.Equal("ChitBox SMTP Server", options.Banner);
        Assert.Equal(52_428_800, options.MaxMessageSize);
        Assert.Equal(100, options.MaxRecipients);
        Assert.Equal(512, options.MaxCommandLineLength);
        Assert.Equal(TimeSpan.FromMinutes(5), options.IdleTimeout);
        Assert.Equal(50, options.MaxConnectionsPerClient);
    }

    [Fact]
    public void Smtp_section_sets_the_limits()
    {
        var options = Resolve(new()
        {
            ["Smtp:Port"] = "2626",
            ["Smtp:MaxMessageSize"] = "1048576",
            ["Smtp:MaxRecipients"] = "5",
            ["Smtp:IdleTimeout"] = "00:01:00",
            ["Smtp:MaxConnectionsPerClient"] = "3",
        });

        Assert.Equal(2626, options.Port);
        Assert.Equal(1_048_576, options.MaxMessageSize);
        Assert.Equal(5, options.MaxRecipients);
        Assert.Equal(TimeSpan.FromMinutes(1), options.IdleTimeout);
        Assert.Equal(3, options.MaxConnectionsPerClient);
    }

    [Fact]
    public void Smtp_server_environment_variables_win()
    {
        var options = Resolve(new()
        {
            ["Smtp:Port"] = "2626",
            ["SMTP_SERVER_PORT"] = "2727",
            ["SMTP_SERVER_HOST"] = "0.0.0.0",
            ["SMTP_SERVER_BANNER"] = "Test Banner",
        });

        Assert.Equal(2727, options.Port);
        Assert.Equal("0.0.0.0", options.Host);
        Assert.Equal("Test Banner", options.Banner);
    }

    [Theory]
    [InlineData("Smtp:Port", "0")]
    [InlineData("Smtp:Port", "70000")]
    [InlineData("SMTP_SERVER_PORT", "not-a-port")]
    [InlineData("SMTP_SERVER_HOST", "mail.example.com")]
    [InlineData("Smtp:MaxRecipients", "0")]
    [InlineData("Smtp:MaxCommandLineLength", "100")]
    [InlineData("Smtp:CertificatePath", "/no/such/file.pfx")]
    public void Bad_setting_fails_validation(string key, string value)
    {
        Assert.Throws<OptionsValidationException>(() => Resolve(new() { [key] = value }));
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("0.0.0.0")]
    [InlineData("*")]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public void Bind_address_may_be_localhost_any_or_an_ip(string host)
    {
        var options = new SmtpOptions { Host = host };

        Assert.True(Validator.TryValidateObject(options, new ValidationContext(options), null, validateAllProperties: true));
    }

    private static SmtpOptions Resolve(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddSmtpIngress();
        using var services = builder.Services.BuildServiceProvider();
        return services.GetRequiredService<IOptions<SmtpOptions>>().Value;
    }
}
