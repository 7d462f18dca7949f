using System.Diagnostics;

namespace ScanGate.Tests.Infrastructure;

/// <summary>
/// A TLS listener on 127.0.0.1 configured weakly on purpose: a self-signed certificate without a
/// subject alternative name that expires in two days, and every cipher OpenSSL still knows.
/// </summary>
public sealed class WeakTlsServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dir;
    public int Port { get; }

    private WeakTlsServer(Process process, string dir, int port) { _process = process; _dir = dir; Port = port; }

    public static async Task<WeakTlsServer> StartAsync()
    {
        var dir = Directory.CreateTempSubdirectory("scangate-tls-").FullName;
        await Proc.RunCheckedAsync("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=localhost", "-keyout", Path.Combine(dir, "key.pem"), "-out", Path.Combine(dir, "cert.pem"));
        var port = Net.FreePort();
        var process = Proc.Start("openssl", dir, "s_server", "-accept", $"127.0.0.1:{port}", "-cert", "cert.pem", "-key", "key.pem",
            "-www", "-cipher", "ALL:@SECLEVEL=0", "-tls1_2", "-quiet");
        await Net.WaitForPortAsync(port, TimeSpan.FromSeconds(10));
        return new WeakTlsServer(process, dir, port);
    }

    public ValueTask DisposeAsync()
    {
        try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { /* already exited */ }
        _process.Dispose();
        Directory.Delete(_dir, recursive: true);
        return ValueTask.CompletedTask;
    }
}
