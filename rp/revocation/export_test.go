package revocation

// SetCompactAfter lowers the record count from which f is compacted, so that a test
// need not write thousands of records.
func (fl *File) SetCompactAfter(n int) {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	fl.minRecs = n
	fl.compact = max(n, 2*fl.recs)
}

// SetBeforeAppend sets a function run between the read and the write of a record,
// with the file lock held.
func (fl *File) SetBeforeAppend(f func()) {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	fl.beforeAppend = f
}

// DisableCounter makes f stat the journal on every read, as where files cannot be
// mapped (not Unix).
func (fl *File) DisableCounter() {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	if fl.unmap != nil {
		_ = fl.unmap()
	}
	fl.gen, fl.unmap = nil, nil
}
