namespace ChitBox.Api;

public static class DefaultAddressExtensions
{
    /// <summary>The contract's default address, when ASPNETCORE_URLS, --urls, HTTP(S)_PORTS and Kestrel endpoints say nothing.</summary>
    public const string DefaultUrl = "http://localhost:3005";

    public static WebApplicationBuilder UseDefaultAddress(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var addressGiven = !string.IsNullOrWhiteSpace(configuration["urls"])
            || !string.IsNullOrWhiteSpace(configuration["http_ports"])
            || !string.IsNullOrWhiteSpace(configuration["https_ports"])
            || configuration.GetSection("Kestrel:Endpoints").Exists();
        if (!addressGiven)
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        return builder;
    }
}
