using System.Net.Sockets;

namespace ChitBox.Tests.Infrastructure;

public static class Loopback
{
    /// <summary>Whether anything accepts TCP connections on the loopback port.</summary>
    public static async Task<bool> AcceptsConnectionsAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
