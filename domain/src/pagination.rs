//! Cutting lists into pages.
//!
//! Lists are paged by key (keyset pagination), never by offset: a page is the
//! `size` items after the last key the client saw. Storage fetches one item
//! more than asked; that extra item only tells whether another page exists.

/// How many items a page holds: 1 to [`PageSize::MAX`], [`PageSize::DEFAULT`]
/// when the client does not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageSize(u16);

/// A page size outside the allowed range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be between 1 and {max}")]
pub struct PageSizeError {
    /// The largest allowed size.
    pub max: u16,
}

impl PageSize {
    /// Size when none is asked for.
    pub const DEFAULT: u16 = 50;
    /// Largest page a client may ask for.
    pub const MAX: u16 = 200;

    /// The requested size, or the default.
    pub fn parse(requested: Option<i64>) -> Result<Self, PageSizeError> {
        match requested {
            None => Ok(Self(Self::DEFAULT)),
            Some(n) if (1..=i64::from(Self::MAX)).contains(&n) => {
                u16::try_from(n).map(Self).map_err(|_| PageSizeError { max: Self::MAX })
            }
            Some(_) => Err(PageSizeError { max: Self::MAX }),
        }
    }

    /// The size as a count.
    pub fn get(self) -> usize {
        usize::from(self.0)
    }

    /// How many rows storage should fetch: one more than the page holds.
    pub fn fetch_limit(self) -> i64 {
        i64::from(self.0) + 1
    }
}

/// One page of a list, cut from rows fetched with [`PageSize::fetch_limit`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The items of this page, in list order.
    pub items: Vec<T>,
    /// Whether items follow this page.
    pub has_more: bool,
}

impl<T> Page<T> {
    /// Cuts a page out of `rows`, which may hold one item too many.
    pub fn from_overfetch(mut rows: Vec<T>, size: PageSize) -> Self {
        let has_more = rows.len() > size.get();
        rows.truncate(size.get());
        Self { items: rows, has_more }
    }

    /// The item whose key the next page starts after, if there is a next page.
    pub fn continues_after(&self) -> Option<&T> {
        if self.has_more { self.items.last() } else { None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn sizes_default_and_are_bounded() {
        assert_eq!(PageSize::parse(None).map(PageSize::get), Ok(50));
        assert_eq!(PageSize::parse(Some(200)).map(PageSize::get), Ok(200));
        assert!(PageSize::parse(Some(0)).is_err());
        assert!(PageSize::parse(Some(201)).is_err());
        assert!(PageSize::parse(Some(-1)).is_err());
    }

    proptest! {
        /// Walking a sorted list page by page, as storage and a client would,
        /// yields every item exactly once and in order.
        #[test]
        fn paging_visits_every_item_once(len in 0usize..500, size in 1i64..=200) {
            let all: Vec<usize> = (0..len).collect();
            let size = PageSize::parse(Some(size)).expect("in range");
            let mut seen = Vec::new();
            let mut after: Option<usize> = None;
            loop {
                let rows: Vec<usize> = all
                    .iter()
                    .copied()
                    .filter(|k| after.is_none_or(|a| *k > a))
                    .take(usize::try_from(size.fetch_limit()).expect("small"))
                    .collect();
                let page = Page::from_overfetch(rows, size);
                prop_assert!(page.items.len() <= size.get());
                seen.extend(page.items.iter().copied());
                match page.continues_after() {
                    Some(last) => after = Some(*last),
                    None => break,
                }
            }
            prop_assert_eq!(seen, all);
        }
    }
}
