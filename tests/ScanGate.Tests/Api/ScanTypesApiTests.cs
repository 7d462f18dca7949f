using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ScanGate.Scanners;
using ScanGate.Scanners.Catalog;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Tests.Api;

/// <summary>GET /api/v1/scan-types over real HTTP (the embedded deployment on Kestrel, the machine's Docker engine):
/// the whole catalogue, with each scanner's availability as the silo's engine sees it.</summary>
public sealed class ScanTypesApiTests : IAsyncLifetime
{
    private ApiHost _host = null!;

    public async Task InitializeAsync() => _host = await ApiHost.StartAsync();
    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Every_scan_type_is_listed_with_its_profiles_and_scanners_and_whether_each_scanner_can_run()
    {
        var catalog = _host.Services.GetRequiredService<ScanCatalog>();
        var types = JsonDocument.Parse(await _host.Http.GetStringAsync("/api/v1/scan-types")).RootElement;

        Assert.Equal(catalog.ScanTypes.Select(t => t.Name).Order(StringComparer.Ordinal), types.EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        foreach (var type in catalog.ScanTypes)
        {
            var listed = types.EnumerateArray().Single(t => t.GetProperty("name").GetString() == type.Name);
            Assert.Equal(type.Description, listed.GetProperty("description").GetString());
            Assert.Equal(System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(type.TargetKind.ToString()), listed.GetProperty("target_kind").GetString());
            Assert.Equal(type.DefaultProfile, listed.GetProperty("default_profile").GetString());

            var profiles = listed.GetProperty("profiles").EnumerateArray().ToList();
            Assert.Equal(type.Profiles.Select(p => p.Name), profiles.Select(p => p.GetProperty("name").GetString()));
            Assert.Equal(type.Profiles.Select(p => p.Description), profiles.Select(p => p.GetProperty("description").GetString()));
            Assert.Equal([type.DefaultProfile], profiles.Where(p => p.GetProperty("default").GetBoolean()).Select(p => p.GetProperty("name").GetString()));

            var scanners = listed.GetProperty("scanners").EnumerateArray().ToList();
            Assert.Equal(catalog.ScannersFor(type.Name).Select(s => s.Name), scanners.Select(s => s.GetProperty("name").GetString()));
            Assert.Equal(catalog.DefaultScannersFor(type.Name).Select(s => s.Name),
                scanners.Where(s => s.GetProperty("default").GetBoolean()).Select(s => s.GetProperty("name").GetString()));
            foreach (var s in scanners)
            {
                var adapter = catalog.GetScanner(s.GetProperty("name").GetString()!);
                Assert.Equal(adapter.Description, s.GetProperty("description").GetString());
                // In process: always available. A container: when the engine holds its image (asked of docker itself here).
                var expected = adapter is IContainerScanner container
                    ? (await Proc.RunAsync("docker", "image", "inspect", container.DefaultImage)).Code == 0
                    : true;
                Assert.Equal(expected, s.GetProperty("available").GetBoolean());
            }
        }

        var lightweight = types.EnumerateArray().Single(t => t.GetProperty("name").GetString() == "lightweight_comprehensive");
        Assert.Equal("url", lightweight.GetProperty("target_kind").GetString());
        var nmap = lightweight.GetProperty("scanners").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "nmap");
        Assert.True(nmap.GetProperty("available").GetBoolean()); // scangate/nmap is built on this machine
        Assert.Equal("container", nmap.GetProperty("runs").GetString());
    }
}
