//! Paging: `skip`, then `top` (default `DEFAULT_TOP`, clamped to `MAX_TOP`),
//! and whether more results remain. It cuts any list of items and must not
//! know what they are or where they come from.

use crate::definitions::wire::Page;

/// Page size when the request has no `top`.
pub const DEFAULT_TOP: u32 = 10;
/// A larger `top` is clamped to this.
pub const MAX_TOP: u32 = 100;

/// `skip`, then `top` (default `DEFAULT_TOP`, clamped to `MAX_TOP`).
/// `hasMoreResults` is true exactly when items remain after the page.
pub fn page<'a, T>(
    items: impl IntoIterator<Item = &'a T>,
    skip: u32,
    top: Option<u32>,
) -> Page<'a, T> {
    let top = top.unwrap_or(DEFAULT_TOP).min(MAX_TOP) as usize;
    let mut rest = items.into_iter().skip(skip as usize);
    let value: Vec<&T> = rest.by_ref().take(top).collect();
    Page {
        value,
        has_more_results: rest.next().is_some(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_sets_has_more_results_exactly_when_items_remain() {
        let items: Vec<u32> = (0..25).collect();
        let cases = [
            (0, None, 10, true),
            (0, Some(25), 25, false),
            (0, Some(24), 24, true),
            (20, Some(5), 5, false),
            (20, Some(4), 4, true),
            (30, Some(5), 0, false),
            (0, Some(0), 0, true),
            (25, Some(0), 0, false),
            (0, Some(1000), 25, false),
        ];
        for (skip, top, len, more) in cases {
            let p = page(&items, skip, top);
            assert_eq!(
                (p.value.len(), p.has_more_results),
                (len, more),
                "skip={skip} top={top:?}"
            );
        }
    }

    #[test]
    fn top_is_clamped_to_the_maximum() {
        let items: Vec<u32> = (0..500).collect();
        let p = page(&items, 0, Some(i32::MAX as u32));
        assert_eq!(p.value.len(), MAX_TOP as usize);
        assert!(p.has_more_results);
    }
}
