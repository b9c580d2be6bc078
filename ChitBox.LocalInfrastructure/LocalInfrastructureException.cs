namespace ChitBox.LocalInfrastructure;

/// <summary>A local server could not be started; the message names the fix.</summary>
public sealed class LocalInfrastructureException(string message, Exception? inner = null) : Exception(message, inner);
