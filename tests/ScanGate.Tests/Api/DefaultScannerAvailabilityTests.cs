using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Tests.Api;

/// <summary>A scan type's default scanners are those whose image the silo has, over real HTTP (the embedded deployment,
/// the machine's Docker engine). Checkov is pointed at an image that no engine holds, as on a machine where it cannot
/// be built from PyPI, so the test means the same wherever it runs.</summary>
public sealed class DefaultScannerAvailabilityTests : IAsyncLifetime
{
    private ApiHost _host = null!;
    private const string AbsentCheckov = "scangate-test/absent-checkov:none";

    public async Task InitializeAsync() => _host = await ApiHost.StartAsync("--ScanGate:Scanners:Overrides:checkov:Image", AbsentCheckov);
    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Iac_scan_with_no_runnable_scanner_is_a_503_problem_naming_the_scanner_and_image_it_needs()
    {
        using var refused = await _host.Http.PostAsync("/api/v1/scans", new StringContent(
            """{"scan_type":"iac_scan","target":"https://git.example.test/infra.git"}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var detail = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString();
        Assert.Equal($"no scanner of iac_scan can run here: it needs checkov (its image {AbsentCheckov} is not on this silo's container engine)", detail);
        Assert.Equal(0, (await _host.Http.GetFromJsonAsync<JsonElement>("/api/v1/scans")).GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Scan_types_show_the_default_set_that_would_run_now()
    {
        var types = await _host.Http.GetFromJsonAsync<JsonElement>("/api/v1/scan-types");
        IReadOnlyList<string?> Now(string type) => types.EnumerateArray().Single(t => t.GetProperty("name").GetString() == type)
            .GetProperty("defaults_now").EnumerateArray().Select(s => s.GetString()).ToList();

        Assert.Empty(Now("iac_scan"));
        Assert.DoesNotContain("checkov", Now("code_security"));
        Assert.Contains("flawfinder", Now("code_security")); // built from Debian here
        Assert.Equal(["yara"], Now("malware_scan"));
        Assert.Equal(["security_headers"], Now("security_headers")); // in process: always
        var checkov = types.EnumerateArray().Single(t => t.GetProperty("name").GetString() == "code_security")
            .GetProperty("scanners").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "checkov");
        Assert.True(checkov.GetProperty("default").GetBoolean());
        Assert.False(checkov.GetProperty("available").GetBoolean());
    }
}
