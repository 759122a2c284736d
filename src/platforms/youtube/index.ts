export { createYouTubeAdapter, type YouTubeAdapterOptions } from './adapter.js';
