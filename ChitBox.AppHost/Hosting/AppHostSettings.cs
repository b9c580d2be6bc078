namespace ChitBox.AppHost.Hosting;

/// <summary>
/// The AppHost's own settings (<c>AppHost__SmtpPort</c>, <c>--AppHost:ApiPort</c>, ...).
/// The fixed ports are the contract's; tests move them to free ones.
/// </summary>
public sealed class AppHostSettings
{
    public const string SectionName = "AppHost";

    public int SmtpPort { get; set; } = 2525;

    public int ApiPort { get; set; } = 3005;

    /// <summary>Local PostgreSQL data, generated keys; kept between runs so mail survives restarts.</summary>
    public string? DataDirectory { get; set; }

    /// <summary>The environment the services run in, as Aspire runs them under F5.</summary>
    public string Environment { get; set; } = "Development";
}
