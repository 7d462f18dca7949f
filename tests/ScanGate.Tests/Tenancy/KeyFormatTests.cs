using ScanGate.Application;

namespace ScanGate.Tests.Tenancy;

/// <summary>Keys in ScanGate's and the platforms' formats: each new key has its format's prefix and shape, is told
/// apart from keys of other shapes, and is hashed like any other.</summary>
public sealed class KeyFormatTests
{
    public static TheoryData<string, string> Shapes => new()
    {
        { "native", "^sgk_[A-Za-z0-9_-]{43}$" },
        { "offload", "^osk_[A-Za-z0-9]{43}$" },
        { "harborguard", "^hg_live_[a-z0-9]{40}$" },
        { "aikido", "^AIK_CI_[A-Za-z0-9]{64}$" },
        { "pepper", "^ppr_[A-Za-z0-9]{24}$" },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void A_new_key_has_its_formats_prefix_and_shape_and_is_a_key(string format, string shape)
    {
        var f = KeyFormat.Named(format)!;
        var keys = Enumerable.Range(0, 50).Select(_ => f.NewKey()).ToList();
        Assert.All(keys, k => Assert.Matches(shape, k));
        Assert.All(keys, k => Assert.True(ApiKeys.LooksLikeKey(k), k));
        Assert.Equal(50, keys.Distinct().Count());
        Assert.Equal(64, ApiKeys.Hash(keys[0]).Length);
        Assert.Equal(f.Prefix.Length + 6, ApiKeys.DisplayPrefix(keys[0]).Length);
        // Too short, a character outside the format's alphabet, or another prefix: not a key.
        Assert.False(ApiKeys.LooksLikeKey(keys[0][..^1]));
        Assert.False(ApiKeys.LooksLikeKey(keys[0][..^1] + "!"));
        Assert.False(ApiKeys.LooksLikeKey("xyz_" + keys[0][f.Prefix.Length..]));
    }

    [Fact]
    public void Nothing_but_the_known_formats_looks_like_a_key()
    {
        Assert.False(ApiKeys.LooksLikeKey(null));
        Assert.False(ApiKeys.LooksLikeKey(""));
        Assert.False(ApiKeys.LooksLikeKey("hg_live_" + new string('A', 40))); // harborguard's are lower case
        Assert.False(ApiKeys.LooksLikeKey("ppr_" + new string('x', 23)));
        Assert.True(ApiKeys.LooksLikeKey("ppr_" + new string('x', 24)));
        Assert.Null(KeyFormat.Named("github"));
    }
}
