using System.Reflection;

namespace ChitBox.SmtpIngress.Transport;

/// <summary>
/// Runs socket completions on the socket's event thread instead of handing each one to the
/// thread pool. An SMTP exchange is a string of short round trips; with Kestrel's inline
/// scheduling (see <see cref="SmtpIngressExtensions"/>) each then costs no thread wake-up.
/// </summary>
/// <remarks>
/// <para>.NET reads <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS</c> once, when the first
/// socket is made, so this must run before anything opens one. An operator who sets the
/// variable keeps their choice (<c>0</c> turns it off).</para>
/// <para>Work that grows with the message (parsing, filing a large one) leaves the socket
/// thread on its own (<see cref="Delivery.MailDelivery"/>), so one big message does not hold
/// up the other sessions served by that thread.</para>
/// </remarks>
public static class InlineSocketCompletions
{
    internal const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>
    /// Turns inline completions on when the ingress is the process, unless the operator chose.
    /// Hosted inside another program (a test host) it changes nothing: that program's code
    /// may block in ways that must never stall a socket thread.
    /// </summary>
    public static void PreferInProcess()
    {
        if (Decide(Assembly.GetEntryAssembly(), Environment.GetEnvironmentVariable(Variable)) is { } value)
        {
            Environment.SetEnvironmentVariable(Variable, value);
        }
    }

    /// <summary>The value to set, or null to leave the variable as it is.</summary>
    internal static string? Decide(Assembly? entryAssembly, string? operatorsValue) =>
        operatorsValue is null && entryAssembly == typeof(InlineSocketCompletions).Assembly ? "1" : null;
}
