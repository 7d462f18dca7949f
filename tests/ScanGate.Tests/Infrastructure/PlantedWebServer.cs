using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ScanGate.Tests.Infrastructure;

/// <summary>
/// An HTTP site on 127.0.0.1 with weaknesses planted on purpose: HEAD / answers a many-range request with 206 Partial
/// Content (what nmap's http-vuln-cve2011-3192 looks for), /.git/HEAD and /.git/config are served (an exposed
/// repository), so is /backup.zip (an archive of the site left in its root), and no response carries a security header.
/// </summary>
public sealed class PlantedWebServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    public int Port { get; }
    public string Url => $"http://127.0.0.1:{Port}/";

    private PlantedWebServer(WebApplication app, int port) { _app = app; Port = port; }

    /// <summary>Starts on the first of <paramref name="ports"/> that is free (any free port when none is given).</summary>
    public static async Task<PlantedWebServer> StartAsync(params int[] ports)
    {
        foreach (var port in ports.Length == 0 ? [Net.FreePort()] : ports)
        {
            if (!IsFree(port)) continue;
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
            var app = builder.Build();
            app.MapMethods("/", ["GET", "HEAD"], (HttpContext http) =>
            {
                if (http.Request.Headers.Range.Count > 0)
                {
                    http.Response.StatusCode = StatusCodes.Status206PartialContent;
                    http.Response.Headers.ContentRange = "bytes 0-0/13";
                    http.Response.ContentLength = 1;
                    return http.Request.Method == "HEAD" ? Task.CompletedTask : http.Response.WriteAsync("h");
                }
                http.Response.ContentType = "text/html";
                return http.Response.WriteAsync("<html><body>planted</body></html>");
            });
            app.MapGet("/.git/HEAD", () => "ref: refs/heads/main\n");
            app.MapGet("/backup.zip", () => Results.Bytes([0x50, 0x4B, 0x05, 0x06, .. new byte[18]], "application/zip")); // an empty zip
            app.MapGet("/.git/config", () => "[core]\n\trepositoryformatversion = 0\n[remote \"origin\"]\n\turl = https://git.example.test/team/site.git\n");
            try
            {
                await app.StartAsync();
                return new PlantedWebServer(app, port);
            }
            catch (IOException)
            {
                await app.DisposeAsync(); // taken between the check and the bind: try the next one
            }
        }
        throw new InvalidOperationException($"none of the ports {string.Join(", ", ports)} is free");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var l = new TcpListener(IPAddress.Loopback, port);
            l.Start();
            return true;
        }
        catch (SocketException) { return false; }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
