namespace ScanGate.Tests.Infrastructure;

/// <summary>Waits for a condition with a deadline (never a fixed sleep that hopes it is met by then).</summary>
public static class Eventually
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);

    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string message)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"not within {timeout}: {message}");
            await Task.Delay(Poll);
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
            await Task.Delay(Poll);
        }
        return condition();
    }

    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, string message) =>
        UntilAsync(() => Task.FromResult(condition()), timeout, message);

    /// <summary>Waits for a value that satisfies <paramref name="accept"/> and returns it; the timeout's message
    /// shows the last value seen.</summary>
    public static async Task<T> ValueAsync<T>(Func<Task<T>> read, Func<T, bool> accept, TimeSpan timeout, string message, TimeSpan? every = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await read();
            if (accept(value)) return value;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"not within {timeout}: {message}; last seen: {System.Text.Json.JsonSerializer.Serialize(value)}");
            await Task.Delay(every ?? Poll);
        }
    }
}
