using System.Net;
using ScanGate.Tests.Infrastructure;

namespace ScanGate.Tests.Compat;

/// <summary>Each compatibility surface can be switched off; the others and the native API go on answering.</summary>
public sealed class CompatSwitchTests
{
    [Fact]
    public async Task A_switched_off_surface_answers_404_while_the_others_still_authenticate()
    {
        await using var host = await ApiHost.StartAsync("--ScanGate:Compat:Enabled:pepper", "false", "--ScanGate:Compat:Enabled:aikido", "false");
        using var anonymous = new HttpClient { BaseAddress = host.BaseAddress };

        // Without a key, a served surface refuses (401); a switched-off one has no such path (404).
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync("/compat/pepper/api/scans")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync("/compat/aikido/api/integrations/continuous_integration/scan/repository?scan_id=1")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/compat/offload/api/cicd/scan-types")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/compat/harborguard/api/scans/scn_01M8ZZZZZZZZZZZZZZZZZZZZZZ")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Http.GetAsync("/api/v1/scan-types")).StatusCode);
    }

    [Fact]
    public async Task A_switch_for_a_surface_that_does_not_exist_stops_the_start()
    {
        var ex = await Assert.ThrowsAnyAsync<InvalidOperationException>(() => ApiHost.StartAsync("--ScanGate:Compat:Enabled:sonarqube", "false"));
        Assert.Contains("sonarqube", ex.Message);
    }
}
