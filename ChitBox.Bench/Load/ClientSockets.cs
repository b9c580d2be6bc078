namespace ChitBox.Bench.Load;

/// <summary>
/// The load client runs its socket completions on the socket threads, as the ingress does:
/// its continuations are short, and a hand-off to a sleeping thread-pool worker at each reply
/// would add the client's own wake-up to every round trip it times.
/// </summary>
/// <remarks>
/// .NET reads the variable when the first socket is made, so <see cref="PreferInline"/> runs
/// first thing. The services the bench starts get the environment the operator gave the bench,
/// not the bench's own choice: each decides for itself.
/// </remarks>
public static class ClientSockets
{
    private const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    private static string? s_operatorsValue;

    public static void PreferInline()
    {
        s_operatorsValue = Environment.GetEnvironmentVariable(Variable);
        if (s_operatorsValue is null)
        {
            Environment.SetEnvironmentVariable(Variable, "1");
        }
    }

    /// <summary>Gives a child process the operator's setting (or none), not the bench's.</summary>
    public static void RestoreOperatorsSetting(IDictionary<string, string?> childEnvironment)
    {
        if (s_operatorsValue is null)
        {
            childEnvironment.Remove(Variable);
        }
        else
        {
            childEnvironment[Variable] = s_operatorsValue;
        }
    }
}
