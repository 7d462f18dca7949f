namespace ScanGate.Tests.Infrastructure;

/// <summary>Waits for a condition with a deadline, instead of sleeping for a fixed time.</summary>
public static class Eventually
{
    private static readonly TimeSpan DefaultPoll = TimeSpan.FromMilliseconds(100);

    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string message, TimeSpan? poll = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow >= deadline) Assert.Fail($"{message} (waited {timeout.TotalSeconds:0.#} s)");
            await Task.Delay(poll ?? DefaultPoll);
        }
    }

    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, string message, TimeSpan? poll = null) =>
        UntilAsync(() => Task.FromResult(condition()), timeout, message, poll);

    /// <summary>Waits for a value that satisfies <paramref name="accept"/> and returns it; the failure shows the
    /// last value seen.</summary>
    public static async Task<T> ValueAsync<T>(Func<Task<T>> read, Func<T, bool> accept, TimeSpan timeout, string message, TimeSpan? poll = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await read();
            if (accept(value)) return value;
            if (DateTime.UtcNow >= deadline)
                Assert.Fail($"{message} (waited {timeout.TotalSeconds:0.#} s); last seen: {System.Text.Json.JsonSerializer.Serialize(value)}");
            await Task.Delay(poll ?? DefaultPoll);
        }
    }

    /// <summary>Watches for <paramref name="window"/> whether something that must not happen does; true if it did.
    /// For negative checks only: it never stands in for waiting on a condition that should come.</summary>
    public static async Task<bool> HappensWithinAsync(Func<bool> condition, TimeSpan window)
    {
        var end = DateTime.UtcNow + window;
        while (DateTime.UtcNow < end)
        {
            if (condition()) return true;
            await Task.Delay(DefaultPoll);
        }
        return condition();
    }
}
