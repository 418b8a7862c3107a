using Microsoft.Extensions.Options;

namespace Digest.Subscriptions.Filters;

/// <summary>
/// At most Subscriptions:PreviewConcurrency previews at once on this instance: every keystroke in
/// every open form asks for one, and they must not take the connections the pages and the
/// delivery need. A preview that finds no slot within <see cref="Patience"/> is not run.
/// </summary>
internal sealed class PreviewGate(IOptions<SubscriptionsOptions> options) : IDisposable
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(1);

    readonly SemaphoreSlim _slots = new(options.Value.PreviewConcurrency, options.Value.PreviewConcurrency);

    /// <summary>A slot to release when the preview is done, or null when all stayed taken.</summary>
    public async Task<Slot?> EnterAsync(CancellationToken cancellationToken) =>
        await _slots.WaitAsync(Patience, cancellationToken) ? new Slot(_slots) : null;

    public void Dispose() => _slots.Dispose();

    public sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        public void Dispose() => slots.Release();
    }
}
