"""Retrieval: units → chunks, a Chinese sentence model into FAISS beside a jieba BM25 index, fused."""
