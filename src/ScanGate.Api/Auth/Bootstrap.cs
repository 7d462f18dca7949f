using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ScanGate.Contracts;

namespace ScanGate.Api.Auth;

/// <summary>
/// On the first start of an empty deployment, creates the platform organisation, its administrator and a
/// platform-administrator key. A key from configuration is used as given; otherwise a new one is printed
/// to the log this one time, since nothing else could ever show it.
/// </summary>
public sealed class Bootstrap(IGrainFactory grains, IOptions<AuthOptions> options, ILogger<Bootstrap> logger) : IHostedService
{
    public const string PlatformOrgId = "org_platform";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!await grains.GetGrain<IPlatformGrain>(0).ClaimBootstrap()) return;
        var configured = options.Value.BootstrapKey;
        if (!string.IsNullOrEmpty(configured) && !KeyFormat.Native.Matches(configured))
            throw new InvalidOperationException("ScanGate:Auth:BootstrapKey must be 'sgk_' followed by at least 43 base64url characters");

        var org = grains.GetGrain<IOrganizationGrain>(PlatformOrgId);
        await org.Create("Platform", new OrgLimits { MonthlyScanQuota = 1_000_000, MaxConcurrentScans = 16 });
        var admin = await org.AddMember(options.Value.BootstrapEmail, "Platform administrator", OrgRole.Admin);
        var (plaintext, record) = await ApiKeys.CreateAsync(grains, PlatformOrgId, admin.Value!.MemberId, "bootstrap platform administrator",
            Scopes.All, options.Value.MaxKeyExpiryDays, "bootstrap", 6000, platformAdmin: true, createdBy: "bootstrap", plaintext: configured);
        if (string.IsNullOrEmpty(configured))
            logger.LogWarning("Bootstrap platform-administrator API key (shown this once; store it now, then create narrower keys): {BootstrapKey}", plaintext);
        else
            logger.LogInformation("Bootstrap platform-administrator key {KeyId} created from configuration", record.KeyId);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
