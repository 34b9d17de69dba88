//! Work shared by the cores: a slice cut into one chunk per thread, results
//! in input order.

/// `f` of every item, in order, on up to `threads` threads (on this one
/// when there are fewer than `min` items: threads pay off only with work to share).
pub(crate) fn map<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    min: usize,
    f: &(dyn Fn(&T) -> R + Sync),
) -> Vec<R> {
    if threads < 2 || items.len() < min.max(2) {
        return items.iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|s| {
        let parts: Vec<_> = items
            .chunks(chunk)
            .map(|part| s.spawn(move || part.iter().map(f).collect::<Vec<_>>()))
            .collect();
        parts
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// [`map`] for a function that may change the items and keeps a state of
/// its own per thread (made by `state`).
pub(crate) fn map_mut<T: Send, S, R: Send>(
    items: &mut [T],
    threads: usize,
    min: usize,
    state: &(dyn Fn() -> S + Sync),
    f: &(dyn Fn(&mut T, &mut S) -> R + Sync),
) -> Vec<R> {
    if threads < 2 || items.len() < min.max(2) {
        let mut st = state();
        return items.iter_mut().map(|i| f(i, &mut st)).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|s| {
        let parts: Vec<_> = items
            .chunks_mut(chunk)
            .map(|part| {
                s.spawn(move || {
                    let mut st = state();
                    part.iter_mut().map(|i| f(i, &mut st)).collect::<Vec<_>>()
                })
            })
            .collect();
        parts
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_keep_the_input_order_on_any_number_of_threads() {
        let items: Vec<u32> = (0..1000).collect();
        for threads in [1, 2, 3, 7] {
            let doubled = super::map(&items, threads, 10, &|x| x * 2);
            assert_eq!(doubled, items.iter().map(|x| x * 2).collect::<Vec<_>>());
            let mut owned = items.clone();
            let seen = super::map_mut(&mut owned, threads, 10, &|| 0u32, &|x, count| {
                *count += 1;
                *x += 1;
                *count
            });
            assert_eq!(owned, items.iter().map(|x| x + 1).collect::<Vec<_>>());
            assert_eq!(seen.len(), 1000);
        }
    }
}
