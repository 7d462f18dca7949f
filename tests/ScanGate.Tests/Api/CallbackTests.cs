using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Tests.Api;

/// <summary>The signed callback, delivered to a receiver on 127.0.0.1 that fails twice before it acknowledges.</summary>
public sealed class CallbackTests
{
    [Fact]
    public async Task The_verdict_is_posted_signed_and_retried_until_acknowledged()
    {
        await using var host = await ApiHost.StartAsync(
            "--ScanGate:Callbacks:AllowPrivateAddresses", "true", "--ScanGate:Api:AllowPrivateCallbacks", "true",
            "--ScanGate:Callbacks:FirstRetrySeconds", "0.5");
        var port = Net.FreePort();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var received = new List<(byte[] Body, string? Signature, string? Delivery)>();
        var receiver = Task.Run(async () =>
        {
            while (received.Count < 3)
            {
                var ctx = await listener.GetContextAsync();
                using var ms = new MemoryStream();
                await ctx.Request.InputStream.CopyToAsync(ms);
                received.Add((ms.ToArray(), ctx.Request.Headers["X-ScanGate-Signature"], ctx.Request.Headers["X-ScanGate-Delivery"]));
                ctx.Response.StatusCode = received.Count < 3 ? 503 : 204; // fail twice, then acknowledge
                ctx.Response.Close();
            }
        });

        var target = new Uri(host.BaseAddress, "/healthz").ToString();
        var id = (await ApiHost.PostJsonAsync(host.Http, "/api/v1/scans", new
        {
            scan_type = "security_headers", target, callback_url = $"http://127.0.0.1:{port}/hooks/scangate", pipeline_context = new { build = 99 },
        })).GetProperty("id").GetString()!;
        await receiver.WaitAsync(TimeSpan.FromMinutes(1));

        var orgId = (await host.Http.GetFromJsonAsync<JsonElement>("/api/v1/orgs")).GetProperty("items")[0].GetProperty("id").GetString();
        var secret = (await host.Http.GetFromJsonAsync<JsonElement>($"/api/v1/orgs/{orgId}/callback-secret")).GetProperty("secret").GetString()!;
        Assert.Equal(3, received.Count);
        Assert.Equal([$"{id}:1", $"{id}:2", $"{id}:3"], received.Select(r => r.Delivery));
        foreach (var (body, signature, _) in received)
            Assert.Equal("sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body)), signature);
        var payload = JsonDocument.Parse(received[^1].Body).RootElement;
        Assert.Equal("scan.finished", payload.GetProperty("event").GetString());
        Assert.Equal(id, payload.GetProperty("scan_id").GetString());
        Assert.Equal("completed", payload.GetProperty("status").GetString());
        Assert.Equal(99, payload.GetProperty("pipeline_context").GetProperty("build").GetInt32());
        Assert.True(payload.TryGetProperty("gate_passed", out _));
        var tampered = (byte[])received[^1].Body.Clone();
        tampered[^2] ^= 1;
        Assert.NotEqual("sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), tampered)), received[^1].Signature);
    }

    [Fact]
    public async Task Delivery_refuses_a_name_that_resolves_to_a_private_address()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var client = new HttpClient(ScanGate.Grains.CallbackSigning.Handler(new ScanGate.Grains.CallbackOptions()));
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync($"http://localhost:{port}/"));
        Assert.Contains("no public address", refused.ToString());
        Assert.False(ScanGate.Grains.CallbackSigning.IsPublic(IPAddress.Parse("192.168.1.10")));
        Assert.False(ScanGate.Grains.CallbackSigning.IsPublic(IPAddress.Parse("::ffff:10.0.0.1")));
        Assert.True(ScanGate.Grains.CallbackSigning.IsPublic(IPAddress.Parse("93.184.216.34")));
    }

    [Theory]
    [InlineData("ftp://hooks.example.com/x", "https")]
    [InlineData("http://hooks.example.com/x", "https")]
    [InlineData("https://127.0.0.1/x", "public address")]
    [InlineData("https://10.1.2.3/x", "public address")]
    [InlineData("https://[::1]/x", "public address")]
    [InlineData("https://user:pw@hooks.example.com/x", "credentials")]
    public async Task Callback_urls_must_be_https_and_public_by_default(string url, string detailPart)
    {
        await using var host = await ApiHost.StartAsync();
        using var response = await host.Http.PostAsync("/api/v1/scans",
            JsonContent.Create(new { scan_type = "security_headers", target = "https://example.com/", callback_url = url }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("callback_url", problem.GetProperty("field").GetString());
        Assert.Contains(detailPart, problem.GetProperty("detail").GetString());
    }
}
