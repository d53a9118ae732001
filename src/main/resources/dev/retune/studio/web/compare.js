Studio.tab('compare', section => section.append(Studio.el('p', {class: 'muted'}, 'Coming up.')));
