using System.Diagnostics;

namespace ScanGate.Tests.Infrastructure;

/// <summary>The built silo executable (scangate-silo) as a process of its own: a silo co-hosting the API, or an
/// API node. Its output goes to a log file, which a failing test prints. Shared by the tests and the
/// benchmarks (linked into both), so it depends on nothing but the BCL.</summary>
public sealed class ScanGateProcess : IAsyncDisposable
{
    private readonly Process _process;
    public string Name { get; }
    public int HttpPort { get; }
    public int SiloPort { get; }
    public string LogPath { get; }
    public HttpClient Http { get; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;

    private ScanGateProcess(string name, Process process, int httpPort, int siloPort, string logPath)
    {
        Name = name;
        _process = process;
        HttpPort = httpPort;
        SiloPort = siloPort;
        LogPath = logPath;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>Starts <paramref name="dll"/> (scangate-silo.dll) with <paramref name="settings"/> as environment
    /// variables (ScanGate__…).</summary>
    public static ScanGateProcess Start(string dll, string name, IReadOnlyDictionary<string, string> settings, int? httpPort = null, int? siloPort = null)
    {
        var port = httpPort ?? FreePort();
        var silo = siloPort ?? FreePort();
        var logPath = Path.Combine(Path.GetTempPath(), $"scangate-{name}-{Guid.NewGuid():N}.log");
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!, UseShellExecute = false,
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        psi.ArgumentList.Add(dll);
        psi.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        psi.Environment["ScanGate__Orleans__SiloPort"] = silo.ToString();
        psi.Environment["ScanGate__Orleans__GatewayPort"] = FreePort().ToString();
        foreach (var (k, v) in settings) psi.Environment[k] = v;
        var process = Process.Start(psi)!;
        var log = new StreamWriter(logPath) { AutoFlush = true };
        var gate = new object();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (gate) log.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (gate) log.WriteLine(e.Data); };
        process.Exited += (_, _) => { lock (gate) log.Flush(); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ScanGateProcess(name, process, port, silo, logPath);
    }

    public string LogTail(int lines = 60)
    {
        try
        {
            using var reader = new StreamReader(new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
            var all = reader.ReadToEnd().Split('\n');
            return $"--- {Name} (last {lines} lines of {LogPath}) ---\n" + string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException ex) { return $"--- {Name}: no log ({ex.Message}) ---"; }
    }

    public async Task WaitHealthyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"{Name} exited with {_process.ExitCode}\n{LogTail()}");
            try
            {
                using var r = await Http.GetAsync("/healthz");
                if (r.IsSuccessStatusCode) return;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException) { }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{Name} did not become healthy\n{LogTail()}");
            await Task.Delay(250);
        }
    }

    /// <summary>kill -9: no shutdown code runs, as when a machine dies.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM and a graceful shutdown; killed if it takes longer than <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited) return;
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()])) await kill.WaitForExitAsync();
        using var cts = new CancellationTokenSource(grace);
        try { await _process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { await KillAsync(); }
    }

    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        Http.Dispose();
        _process.Dispose();
    }
}
