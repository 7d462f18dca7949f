using ScanGate.Contracts;

namespace ScanGate.Api.Auth;

/// <summary>Who a key (by its hash) is right now: from the node's short cache, else from the key's grain. Shared by
/// the API's key header and the console's session, so a revoked or expired key stops both alike.</summary>
public sealed class KeyCheck(IGrainFactory grains, AuthCache cache, Clock clock)
{
    /// <summary>The caller, or the grain's refusal (invalid or rate limited) when it has none.</summary>
    public async Task<(Caller? Caller, AuthResult? Refusal)> CheckAsync(string keyHash)
    {
        if (cache.Get(keyHash) is { } cached)
        {
            if (cache.ShouldTouch(keyHash)) grains.GetGrain<IApiKeyGrain>(keyHash).Touch(clock.UtcNow).Ignore();
            return (cached, null);
        }
        var result = await grains.GetGrain<IApiKeyGrain>(keyHash).Authenticate();
        if (result.Outcome != AuthOutcome.Ok) return (null, result);
        cache.Put(keyHash, result);
        return (result.Caller!, null);
    }
}
