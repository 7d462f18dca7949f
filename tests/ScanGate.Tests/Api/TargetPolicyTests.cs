using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Tests.Api;

/// <summary>A SaaS deployment refuses targets on loopback and private networks, and any deployment its deny list.</summary>
public sealed class TargetPolicyTests
{
    [Fact]
    public async Task Private_targets_and_denied_ranges_are_refused_before_anything_runs()
    {
        await using var host = await ApiHost.StartAsync(
            "--ScanGate:Targets:AllowPrivateNetworks", "false", "--ScanGate:Targets:DeniedCidrs:0", "203.0.113.0/24");
        var refused = new object[]
        {
            new { scan_type = "network_discovery", target = "127.0.0.1:22" },
            new { scan_type = "network_discovery", target = "localhost" },
            new { scan_type = "network_discovery", target = "10.20.0.0/24" },
            new { scan_type = "network_discovery", target = "[::1]:443" },
            new { scan_type = "ssl_security", target = "192.168.1.5:443" },
            new { scan_type = "security_headers", target = "http://169.254.169.254/latest/meta-data/" },
            new { scan_type = "secret_scan", target = "git://127.0.0.1/app" },
            new { scan_type = "network_discovery", target = "203.0.113.7" },
            new { scan_type = "network_discovery", target = "203.0.113.0/28" },
        };
        foreach (var body in refused)
        {
            using var response = await host.Http.PostAsync("/api/v1/scans", JsonContent.Create(body));
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{JsonSerializer.Serialize(body)}: {(int)response.StatusCode}");
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("target", problem.GetProperty("field").GetString());
        }
        Assert.Empty((await host.Http.GetFromJsonAsync<JsonElement>("/api/v1/scans")).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task By_default_a_deployment_scans_its_own_network()
    {
        await using var host = await ApiHost.StartAsync();
        using var response = await host.Http.PostAsync("/api/v1/scans", JsonContent.Create(new { scan_type = "security_headers", target = new Uri(host.BaseAddress, "/healthz").ToString() }));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }
}

public sealed class ImageRegistryHostTests
{
    [Theory]
    [InlineData("alpine:3.19", "registry-1.docker.io")]
    [InlineData("library/nginx", "registry-1.docker.io")]
    [InlineData("ghcr.io/org/app:1", "ghcr.io")]
    [InlineData("localhost:5000/app", "localhost")]
    [InlineData("10.0.0.5:5000/team/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "10.0.0.5")]
    public void An_image_is_checked_by_the_registry_it_comes_from(string image, string host) =>
        Assert.Equal(host, ScanGate.Application.TargetPolicy.RegistryHost(image));
}
