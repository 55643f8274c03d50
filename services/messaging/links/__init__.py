"""Chat invite links (R-CHAT-6): members join a chat by a link from its teacher."""
