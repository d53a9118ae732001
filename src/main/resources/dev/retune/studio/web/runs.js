Studio.tab('runs', section => section.append(Studio.el('p', {class: 'muted'}, 'Coming up.')));
